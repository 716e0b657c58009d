<#
    Converts PlatyPS-schema markdown (docs/<Cmdlet>.md, docs/about_*.md) into the MAML and
    about_*.help.txt files Get-Help reads. PlatyPS is not available where OsgPilot is built, and
    the subset of the schema the docs use is small: sections, parameter YAML blocks, examples.
#>
Set-StrictMode -Version 3.0

function ConvertFrom-OsgHelpMarkdown {
    <# Parses one cmdlet page into a plain object: Name, Synopsis, Description, SyntaxSets, Examples, Parameters, Inputs, Outputs, Notes, Links. #>
    [CmdletBinding()]
    param([Parameter(Mandatory)] [string] $Path)

    $lines = (Get-Content -Raw -LiteralPath $Path) -replace "`r", '' -split "`n"
    $i = 0
    if ($lines[0] -eq '---') { $i = [array]::IndexOf($lines, '---', 1) + 1 }   # YAML front matter

    $doc = [ordered]@{ Name = $null; Synopsis = ''; Description = ''; SyntaxSets = @(); Examples = @(); Parameters = @(); Inputs = @(); Outputs = @(); Notes = ''; Links = @() }
    $section = $null; $sub = $null; $buffer = [System.Collections.Generic.List[string]]::new()
    $fence = $null; $code = $null

    $flush = {
        $text = (($buffer -join "`n").Trim())
        $buffer.Clear()
        if ($null -eq $section) { return }
        switch ($section) {
            'SYNOPSIS' { $doc.Synopsis = $text }
            'DESCRIPTION' { $doc.Description = $text }
            'NOTES' { $doc.Notes = $text }
            'EXAMPLES' { if ($sub) { $sub.Remarks = $text } }
            'PARAMETERS' { if ($sub -and -not $sub.Description) { $sub.Description = $text } }
            { $_ -in 'INPUTS', 'OUTPUTS' } { if ($sub) { $sub.Description = $text } }
            'RELATED LINKS' {
                foreach ($m in [regex]::Matches($text, '\[([^\]]+)\]\(([^)]*)\)')) { $doc.Links += [pscustomobject]@{ Text = $m.Groups[1].Value; Uri = $m.Groups[2].Value } }
            }
        }
    }

    for (; $i -lt $lines.Count; $i++) {
        $line = $lines[$i]
        if ($null -ne $fence) {
            if ($line -match '^```\s*$') {
                $body = $code -join "`n"
                switch ($fence) {
                    'yaml' { if ($section -eq 'PARAMETERS' -and $sub) { Add-ParameterYaml $sub $body } }
                    default {
                        if ($section -eq 'EXAMPLES' -and $sub) { $sub.Code = $body }
                        elseif ($section -eq 'SYNTAX') { $doc.SyntaxSets[-1].Line = $body.Trim() }
                    }
                }
                $fence = $null
            } else { $code.Add($line) }
            continue
        }
        if ($line -match '^```(\w*)') { $fence = $Matches[1]; $code = [System.Collections.Generic.List[string]]::new(); continue }
        if ($line -match '^# (\S+)\s*$' -and -not $doc.Name) { $doc.Name = $Matches[1]; continue }
        if ($line -match '^## (.+?)\s*$') { & $flush; $section = $Matches[1].ToUpperInvariant(); $sub = $null; continue }
        if ($line -match '^### (.+?)\s*$') {
            & $flush
            $title = $Matches[1]
            switch ($section) {
                'SYNTAX' { $doc.SyntaxSets += [pscustomobject]@{ Name = $title -replace '\s*\(Default\)$', ''; Line = '' } }
                'EXAMPLES' { $sub = [pscustomobject]@{ Title = $title; Code = ''; Remarks = '' }; $doc.Examples += $sub }
                'PARAMETERS' {
                    if ($title -eq 'CommonParameters') { $sub = $null }
                    else { $sub = [pscustomobject]@{ Name = $title.TrimStart('-'); Description = ''; Type = 'Object'; Sets = @('(All)'); Aliases = @(); Required = $false; Position = 'Named'; Default = 'None'; Pipeline = 'False'; Wildcards = $false; Values = @() }; $doc.Parameters += $sub }
                }
                'INPUTS' { $sub = [pscustomobject]@{ Type = $title; Description = '' }; $doc.Inputs += $sub }
                'OUTPUTS' { $sub = [pscustomobject]@{ Type = $title; Description = '' }; $doc.Outputs += $sub }
            }
            continue
        }
        $buffer.Add($line)
    }
    & $flush
    if (-not $doc.Name) { throw "$Path has no '# <Cmdlet>' title." }
    [pscustomobject]$doc
}

function Add-ParameterYaml($Parameter, [string] $Yaml) {
    foreach ($entry in $Yaml -split "`n") {
        if ($entry -notmatch '^([^:]+):\s*(.*)$') { continue }
        $value = $Matches[2].Trim()
        switch ($Matches[1].Trim()) {
            'Type' { $Parameter.Type = $value }
            'Parameter Sets' { $Parameter.Sets = @($value -split ',\s*') }
            'Aliases' { $Parameter.Aliases = @($value -split ',\s*' | Where-Object { $_ }) }
            'Accepted values' { $Parameter.Values = @($value -split ',\s*' | Where-Object { $_ }) }
            'Required' { $Parameter.Required = $value -match '^True' }
            'Position' { $Parameter.Position = $value }
            'Default value' { $Parameter.Default = $value }
            'Accept pipeline input' { $Parameter.Pipeline = $value }
            'Accept wildcard characters' { $Parameter.Wildcards = $value -eq 'True' }
        }
    }
}

function Write-Paragraphs([System.Xml.XmlWriter] $W, [string] $Text) {
    $maml = 'http://schemas.microsoft.com/maml/2004/10'
    foreach ($para in ($Text -split "\n\s*\n")) {
        $W.WriteElementString('maml', 'para', $maml, (($para -split "`n" | ForEach-Object Trim) -join ' ').Trim())
    }
}

function Write-Parameter([System.Xml.XmlWriter] $W, $P) {
    $maml = 'http://schemas.microsoft.com/maml/2004/10'; $cmd = 'http://schemas.microsoft.com/maml/dev/command/2004/10'; $dev = 'http://schemas.microsoft.com/maml/dev/2004/10'
    $isSwitch = $P.Type -eq 'SwitchParameter'
    $W.WriteStartElement('command', 'parameter', $cmd)
    $W.WriteAttributeString('required', "$($P.Required)".ToLowerInvariant())
    $W.WriteAttributeString('variableLength', ($P.Type -like '*[[]]').ToString().ToLowerInvariant())
    $W.WriteAttributeString('globbing', "$($P.Wildcards)".ToLowerInvariant())
    $W.WriteAttributeString('pipelineInput', $P.Pipeline)
    $W.WriteAttributeString('position', $(if ($P.Position -eq 'Named') { 'named' } else { $P.Position }))
    $W.WriteAttributeString('aliases', $(if ($P.Aliases.Count) { $P.Aliases -join ', ' } else { 'none' }))
    $W.WriteElementString('maml', 'name', $maml, $P.Name)
    $W.WriteStartElement('maml', 'description', $maml); Write-Paragraphs $W $P.Description; $W.WriteEndElement()
    foreach ($v in $P.Values) { $W.WriteStartElement('command', 'parameterValueGroup', $cmd); $W.WriteStartElement('command', 'parameterValue', $cmd); $W.WriteAttributeString('required', 'false'); $W.WriteAttributeString('variableLength', 'false'); $W.WriteString($v); $W.WriteEndElement(); $W.WriteEndElement() }
    if (-not $isSwitch) {
        $W.WriteStartElement('command', 'parameterValue', $cmd); $W.WriteAttributeString('required', 'true'); $W.WriteAttributeString('variableLength', 'false'); $W.WriteString($P.Type); $W.WriteEndElement()
    }
    $W.WriteStartElement('dev', 'type', $dev); $W.WriteElementString('maml', 'name', $maml, $P.Type); $W.WriteElementString('maml', 'uri', $maml, ''); $W.WriteEndElement()
    $W.WriteElementString('dev', 'defaultValue', $dev, $P.Default)
    $W.WriteEndElement()
}

function ConvertTo-OsgMaml {
    <# Renders parsed cmdlet pages as one MAML document. #>
    [CmdletBinding()]
    param([Parameter(Mandatory)] [object[]] $Command)

    $maml = 'http://schemas.microsoft.com/maml/2004/10'; $cmd = 'http://schemas.microsoft.com/maml/dev/command/2004/10'; $dev = 'http://schemas.microsoft.com/maml/dev/2004/10'
    $sb = [System.Text.StringBuilder]::new()
    $settings = [System.Xml.XmlWriterSettings]@{ Indent = $true; Encoding = [System.Text.UTF8Encoding]::new($false) }
    $w = [System.Xml.XmlWriter]::Create($sb, $settings)
    $w.WriteStartDocument()
    $w.WriteStartElement('helpItems', 'http://msh'); $w.WriteAttributeString('schema', 'maml')
    foreach ($c in $Command) {
        $verb, $noun = $c.Name -split '-', 2
        $w.WriteStartElement('command', 'command', $cmd)
        $w.WriteAttributeString('xmlns', 'maml', $null, $maml); $w.WriteAttributeString('xmlns', 'dev', $null, $dev)
        $w.WriteStartElement('command', 'details', $cmd)
        $w.WriteElementString('command', 'name', $cmd, $c.Name)
        $w.WriteElementString('command', 'verb', $cmd, $verb)
        $w.WriteElementString('command', 'noun', $cmd, $noun)
        $w.WriteStartElement('maml', 'description', $maml); Write-Paragraphs $w $c.Synopsis; $w.WriteEndElement()
        $w.WriteEndElement()
        $w.WriteStartElement('maml', 'description', $maml); Write-Paragraphs $w $c.Description; $w.WriteEndElement()

        $w.WriteStartElement('command', 'syntax', $cmd)
        foreach ($set in $c.SyntaxSets) {
            $w.WriteStartElement('command', 'syntaxItem', $cmd)
            $w.WriteElementString('maml', 'name', $maml, $c.Name)
            $inSet = $c.Parameters | Where-Object { $_.Sets -contains '(All)' -or $_.Sets -contains $set.Name -or $set.Name -eq '__AllParameterSets' }
            foreach ($p in ($inSet | Sort-Object { if ($_.Position -eq 'Named') { 999 } else { [int]$_.Position } })) { Write-Parameter $w $p }
            $w.WriteEndElement()
        }
        $w.WriteEndElement()

        $w.WriteStartElement('command', 'parameters', $cmd)
        foreach ($p in $c.Parameters) { Write-Parameter $w $p }
        $w.WriteEndElement()

        foreach ($kind in @(@{ Outer = 'inputTypes'; Inner = 'inputType'; Items = $c.Inputs }, @{ Outer = 'returnValues'; Inner = 'returnValue'; Items = $c.Outputs })) {
            $w.WriteStartElement('command', $kind.Outer, $cmd)
            foreach ($t in $kind.Items) {
                $w.WriteStartElement('command', $kind.Inner, $cmd)
                $w.WriteStartElement('dev', 'type', $dev); $w.WriteElementString('maml', 'name', $maml, $t.Type); $w.WriteEndElement()
                $w.WriteStartElement('maml', 'description', $maml); Write-Paragraphs $w $t.Description; $w.WriteEndElement()
                $w.WriteEndElement()
            }
            $w.WriteEndElement()
        }

        $w.WriteStartElement('maml', 'alertSet', $maml); $w.WriteStartElement('maml', 'alert', $maml); Write-Paragraphs $w $c.Notes; $w.WriteEndElement(); $w.WriteEndElement()

        $w.WriteStartElement('command', 'examples', $cmd)
        foreach ($e in $c.Examples) {
            $w.WriteStartElement('command', 'example', $cmd)
            $w.WriteElementString('maml', 'title', $maml, "--------- $($e.Title) ---------")
            $w.WriteElementString('dev', 'code', $dev, $e.Code)
            $w.WriteStartElement('dev', 'remarks', $dev); Write-Paragraphs $w $e.Remarks; $w.WriteEndElement()
            $w.WriteEndElement()
        }
        $w.WriteEndElement()

        $w.WriteStartElement('command', 'relatedLinks', $cmd)
        foreach ($l in $c.Links) {
            $w.WriteStartElement('maml', 'navigationLink', $maml); $w.WriteElementString('maml', 'linkText', $maml, $l.Text); $w.WriteElementString('maml', 'uri', $maml, $l.Uri); $w.WriteEndElement()
        }
        $w.WriteEndElement()
        $w.WriteEndElement()
    }
    $w.WriteEndElement(); $w.WriteEndDocument(); $w.Flush(); $w.Dispose()
    $sb.ToString() -replace 'encoding="utf-16"', 'encoding="utf-8"'
}

function ConvertTo-OsgAboutText {
    <# about_*.md to the plain text Get-Help shows: headings become upper-case topic lines, body indented. #>
    param([Parameter(Mandatory)] [string] $Path)
    $out = [System.Collections.Generic.List[string]]::new()
    $inFence = $false
    foreach ($line in ((Get-Content -Raw -LiteralPath $Path) -replace "`r", '' -split "`n")) {
        if ($line -match '^```') { $inFence = -not $inFence; continue }
        if (-not $inFence -and $line -match '^#{1,3} (.+)$') { $out.Add($Matches[1].ToUpperInvariant()); continue }
        $out.Add($(if ($line) { '    ' + $line } else { '' }))
    }
    ($out -join [Environment]::NewLine).TrimEnd() + [Environment]::NewLine
}

function Convert-OsgHelp {
    <# Converts every docs page: <Cmdlet>.md into <Module>.dll-Help.xml, about_*.md into about_*.help.txt. #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] [string] $DocsPath,
        [Parameter(Mandatory)] [string] $OutputPath,
        [Parameter(Mandatory)] [string] $ModuleName
    )
    New-Item -ItemType Directory -Force $OutputPath | Out-Null
    $pages = Get-ChildItem -LiteralPath $DocsPath -Filter '*-*.md' | Sort-Object Name
    $commands = foreach ($p in $pages) { ConvertFrom-OsgHelpMarkdown -Path $p.FullName }
    $xml = ConvertTo-OsgMaml -Command $commands
    [System.IO.File]::WriteAllText((Join-Path $OutputPath "$ModuleName.dll-Help.xml"), $xml, [System.Text.UTF8Encoding]::new($false))
    foreach ($about in Get-ChildItem -LiteralPath $DocsPath -Filter 'about_*.md') {
        $text = ConvertTo-OsgAboutText -Path $about.FullName
        [System.IO.File]::WriteAllText((Join-Path $OutputPath ($about.BaseName + '.help.txt')), $text, [System.Text.UTF8Encoding]::new($false))
    }
}

Export-ModuleMember -Function Convert-OsgHelp, ConvertFrom-OsgHelpMarkdown, ConvertTo-OsgMaml, ConvertTo-OsgAboutText
