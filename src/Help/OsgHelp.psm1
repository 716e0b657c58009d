<#
    Converts PlatyPS-schema markdown (docs/<Cmdlet>.md, docs/about_*.md) into the MAML and
    about_*.help.txt files Get-Help reads. PlatyPS is not available where OsgPilot is built; the
    page structure (sections, parameter YAML blocks, examples) is read here, and every piece of
    prose is rendered by Markdig, the Markdown parser PlatyPS builds on, so lists, code and links
    come out as Get-Help users expect. Build time only: nothing here ships in the module.
#>
Set-StrictMode -Version 3.0

function Initialize-OsgMarkdig {
    <# Loads Markdig at the version src/Help/HelpTools.csproj pins, restoring it when missing. #>
    if ('Markdig.Markdown' -as [type]) { return }
    $project = Join-Path $PSScriptRoot 'HelpTools.csproj'
    $version = (([xml](Get-Content -Raw $project)).Project.ItemGroup.PackageDownload | Where-Object Include -EQ 'Markdig').Version.Trim('[', ']')
    $root = if ($env:NUGET_PACKAGES) { $env:NUGET_PACKAGES } else { ((dotnet nuget locals global-packages --list) -replace '^global-packages:\s*', '').Trim() }
    $dll = Join-Path $root "markdig/$version/lib/netstandard2.0/Markdig.dll"
    if (-not (Test-Path $dll)) {
        dotnet restore $project -nologo -v:q | Out-Null
        if ($LASTEXITCODE -ne 0) { throw "Could not restore Markdig $version ($project)." }
    }
    Add-Type -Path $dll
}

function Get-OsgInlineText($Inline) {
    <# The plain text of Markdig inlines: code without backticks, relative links as their text, absolute links as "text (url)". #>
    # if/elseif, not switch: Markdig containers are enumerable, and switch would walk into them.
    $sb = [System.Text.StringBuilder]::new()
    for ($i = $Inline; $null -ne $i; $i = $i.NextSibling) {
        if ($i -is [Markdig.Syntax.Inlines.LiteralInline]) { [void]$sb.Append($i.Content.ToString()) }
        elseif ($i -is [Markdig.Syntax.Inlines.CodeInline]) { [void]$sb.Append($i.Content) }
        elseif ($i -is [Markdig.Syntax.Inlines.LineBreakInline]) { [void]$sb.Append(' ') }
        elseif ($i -is [Markdig.Syntax.Inlines.AutolinkInline]) { [void]$sb.Append($i.Url) }
        elseif ($i -is [Markdig.Syntax.Inlines.LinkInline]) {
            $text = Get-OsgInlineText $i.FirstChild
            [void]$sb.Append($(if ($i.Url -match '^[a-z]+://' -and $text -ne $i.Url) { "$text ($($i.Url))" } else { $text }))
        }
        elseif ($i -is [Markdig.Syntax.Inlines.ContainerInline]) { [void]$sb.Append((Get-OsgInlineText $i.FirstChild)) }
        elseif ($i -is [Markdig.Syntax.Inlines.HtmlEntityInline]) { [void]$sb.Append($i.Transcoded.ToString()) }
        elseif ($i -is [Markdig.Syntax.Inlines.HtmlInline]) { [void]$sb.Append($i.Tag) }   # help is text: <Name> is a placeholder, not HTML
    }
    $sb.ToString()
}

function Get-OsgBlockLines($Block) {
    <# One line per paragraph, list item or code line; list items keep their marker, code its indent. #>
    if ($Block -is [Markdig.Syntax.ParagraphBlock]) { (Get-OsgInlineText $Block.Inline.FirstChild).Trim() }
    elseif ($Block -is [Markdig.Syntax.HeadingBlock]) { (Get-OsgInlineText $Block.Inline.FirstChild).Trim().ToUpperInvariant() }
    elseif ($Block -is [Markdig.Syntax.ListBlock]) {
        $n = 1
        foreach ($item in $Block) {
            $marker = if ($Block.IsOrdered) { "$n. " } else { '- ' }
            $first = $true
            foreach ($inner in $item) {
                foreach ($line in @(Get-OsgBlockLines $inner)) { if ($first) { $marker + $line; $first = $false } else { '  ' + $line } }
            }
            $n++
        }
    }
    elseif ($Block -is [Markdig.Syntax.CodeBlock]) {
        $lines = $Block.Lines
        for ($k = 0; $k -lt $lines.Count; $k++) { '    ' + $lines.Lines[$k].Slice.ToString() }
    }
    elseif ($Block -is [Markdig.Syntax.QuoteBlock]) { foreach ($inner in $Block) { Get-OsgBlockLines $inner } }
}

function ConvertTo-OsgParagraphs {
    <# Markdown prose to the paragraphs Get-Help prints: one per paragraph, list item and code line. #>
    param([AllowEmptyString()] [string] $Markdown)
    if ([string]::IsNullOrWhiteSpace($Markdown)) { return }
    Initialize-OsgMarkdig
    foreach ($block in [Markdig.Markdown]::Parse($Markdown)) { Get-OsgBlockLines $block }
}

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
    foreach ($para in @(ConvertTo-OsgParagraphs $Text)) { $W.WriteElementString('maml', 'para', $maml, $para) }
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
    param([Parameter(Mandatory)] [object[]] $Command, [string] $OnlineBaseUri)

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

        # Get-Help -Online opens the first link that has a URI: the page itself, absolute. Links to
        # other pages (X.md) become absolute too, so no link is a bare file name.
        $links = @(if ($OnlineBaseUri) { [pscustomobject]@{ Text = 'Online Version:'; Uri = $OnlineBaseUri + $c.Name + '.md' } }) + @($c.Links | ForEach-Object {
            $relative = $_.Uri -notmatch '^[a-z]+://'
            [pscustomobject]@{
                Text = $_.Text -replace '\.md$', ''
                Uri = if (-not $relative) { $_.Uri } elseif ($OnlineBaseUri -and $_.Uri) { $OnlineBaseUri + $_.Uri } else { '' }
            }
        })
        $w.WriteStartElement('command', 'relatedLinks', $cmd)
        foreach ($l in $links) {
            $w.WriteStartElement('maml', 'navigationLink', $maml); $w.WriteElementString('maml', 'linkText', $maml, $l.Text); $w.WriteElementString('maml', 'uri', $maml, $l.Uri); $w.WriteEndElement()
        }
        $w.WriteEndElement()
        $w.WriteEndElement()
    }
    $w.WriteEndElement(); $w.WriteEndDocument(); $w.Flush(); $w.Dispose()
    $sb.ToString() -replace 'encoding="utf-16"', 'encoding="utf-8"'
}

function ConvertTo-OsgAboutText {
    <# about_*.md to the plain text Get-Help shows: headings as upper-case topic lines, prose indented and wrapped, lists one item a line, code indented further. #>
    param([Parameter(Mandatory)] [string] $Path)
    Initialize-OsgMarkdig
    $out = [System.Collections.Generic.List[string]]::new()
    $heading = ''
    foreach ($block in [Markdig.Markdown]::Parse((Get-Content -Raw -LiteralPath $Path))) {
        if ($block -is [Markdig.Syntax.HeadingBlock]) {
            if ($out.Count) { $out.Add('') }
            $title = (Get-OsgInlineText $block.Inline.FirstChild).Trim()
            if ($block.Level -eq 1) {
                # The layout Get-Help expects: it takes an about topic's synopsis from line 5, the one
                # after SHORT DESCRIPTION (TOPIC, name, blank, SHORT DESCRIPTION, synopsis).
                $out.Add('TOPIC'); $out.Add("    $title")
                continue
            }
            $heading = $title.ToUpperInvariant()
            $out.Add($heading)
            continue
        }
        # The synopsis is that one line: never wrapped.
        $width = if ($heading -eq 'SHORT DESCRIPTION') { [int]::MaxValue } else { 96 }
        foreach ($line in @(Get-OsgBlockLines $block)) {
            if ($block -is [Markdig.Syntax.CodeBlock]) { $out.Add('    ' + $line); continue }
            $indent = if ($block -is [Markdig.Syntax.ListBlock]) { '      ' } else { '    ' }
            $first = $true
            foreach ($wrapped in (Split-OsgLine $line $width)) { $out.Add($(if ($first) { '    ' + $wrapped } else { $indent + $wrapped })); $first = $false }
        }
        $out.Add('')
    }
    ($out -join [Environment]::NewLine).TrimEnd() + [Environment]::NewLine
}

function Split-OsgLine([string] $Line, [int] $Width) {
    <# Word-wraps one line. #>
    $current = ''
    foreach ($word in ($Line -split ' ')) {
        if ($current.Length -and ($current.Length + 1 + $word.Length) -gt $Width) { $current; $current = $word }
        else { $current = if ($current.Length) { "$current $word" } else { $word } }
    }
    if ($current.Length) { $current }
}

function Convert-OsgHelp {
    <# Converts every docs page: <Cmdlet>.md into <Module>.dll-Help.xml, about_*.md into about_*.help.txt. #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] [string] $DocsPath,
        [Parameter(Mandatory)] [string] $OutputPath,
        [Parameter(Mandatory)] [string] $ModuleName,
        # Where the docs pages are published; each cmdlet's online link is this plus <Cmdlet>.md.
        [string] $OnlineBaseUri
    )
    New-Item -ItemType Directory -Force $OutputPath | Out-Null
    $pages = Get-ChildItem -LiteralPath $DocsPath -Filter '*-*.md' | Sort-Object Name
    $commands = foreach ($p in $pages) { ConvertFrom-OsgHelpMarkdown -Path $p.FullName }
    $xml = ConvertTo-OsgMaml -Command $commands -OnlineBaseUri $OnlineBaseUri
    [System.IO.File]::WriteAllText((Join-Path $OutputPath "$ModuleName.dll-Help.xml"), $xml, [System.Text.UTF8Encoding]::new($false))
    foreach ($about in Get-ChildItem -LiteralPath $DocsPath -Filter 'about_*.md') {
        $text = ConvertTo-OsgAboutText -Path $about.FullName
        [System.IO.File]::WriteAllText((Join-Path $OutputPath ($about.BaseName + '.help.txt')), $text, [System.Text.UTF8Encoding]::new($false))
    }
}

Export-ModuleMember -Function Convert-OsgHelp, ConvertFrom-OsgHelpMarkdown, ConvertTo-OsgMaml, ConvertTo-OsgAboutText, ConvertTo-OsgParagraphs
