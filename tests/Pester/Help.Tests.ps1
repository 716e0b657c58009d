# Help is part of the feature: every cmdlet's docs page reaches Get-Help, and docs and code never drift.
BeforeDiscovery {
    Import-Module $env:OSGPILOT_MODULE -Force
    $script:Cmdlets = (Get-Command -Module OsgPilot -CommandType Cmdlet).Name | Sort-Object | ForEach-Object { @{ Name = $_ } }
}

BeforeAll {
    Import-Module $env:OSGPILOT_MODULE -Force
    $script:ModuleDir = Split-Path $env:OSGPILOT_MODULE
    $script:Docs = Join-Path $PSScriptRoot '../../docs'
    $script:Common = [System.Management.Automation.PSCmdlet]::CommonParameters
    Import-Module (Join-Path $PSScriptRoot '../../src/Help/OsgHelp.psm1') -Force
    function ConvertFrom-OsgAboutShortDescription([string] $Path) {
        # The page's SHORT DESCRIPTION paragraph, as one line.
        $m = [regex]::Match((Get-Content -Raw $Path), '## SHORT DESCRIPTION\r?\n(.*?)\r?\n\r?\n', 'Singleline')
        ($m.Groups[1].Value -replace '\s+', ' ').Trim()
    }
}

Describe 'Help for <Name>' -ForEach $Cmdlets {
    BeforeAll {
        $script:Help = Get-Help $Name -Full
        $script:Page = ConvertFrom-OsgHelpMarkdown -Path (Join-Path $Docs "$Name.md")
        $script:Compiled = (Get-Command $Name).Parameters.Keys | Where-Object { $_ -notin $Common } | Sort-Object
    }

    It 'has a docs page' { Join-Path $Docs "$Name.md" | Should -Exist }
    It 'has a synopsis from the page' {
        $Help.Synopsis | Should -Be $Page.Synopsis
        $Help.Synopsis | Should -Not -Match "^\s*$Name"
    }
    It 'has a description' { ($Help.Description.Text -join ' ').Length | Should -BeGreaterThan 80 }
    It 'has at least one example with code and remarks' {
        @($Help.Examples.Example).Count | Should -BeGreaterOrEqual 1
        foreach ($e in $Help.Examples.Example) {
            $e.Code | Should -Match $Name.Split('-')[1].Substring(0, 3)
            ($e.Remarks.Text -join '').Trim() | Should -Not -BeNullOrEmpty
        }
    }
    It 'documents every parameter of the compiled cmdlet, and nothing else' {
        ($Page.Parameters.Name | Sort-Object) | Should -Be $Compiled
    }
    It 'documents each parameter with the compiled type, requiredness and pipeline binding' {
        $cmd = Get-Command $Name
        foreach ($p in $Page.Parameters) {
            $meta = $cmd.Parameters[$p.Name]
            $p.Type | Should -Be $meta.ParameterType.Name -Because "-$($p.Name) type"
            $attrs = @($meta.Attributes | Where-Object { $_ -is [System.Management.Automation.ParameterAttribute] })
            $p.Required | Should -Be ([bool]($attrs | Where-Object Mandatory | Select-Object -First 1) -and -not ($attrs | Where-Object { -not $_.Mandatory })) -Because "-$($p.Name) required"
            ($p.Pipeline -ne 'False') | Should -Be ([bool]($attrs | Where-Object { $_.ValueFromPipeline -or $_.ValueFromPipelineByPropertyName })) -Because "-$($p.Name) pipeline"
            $rendered = $Help.Parameters.Parameter | Where-Object Name -EQ $p.Name
            ($rendered.Description.Text -join '').Trim() | Should -Not -BeNullOrEmpty -Because "-$($p.Name) description"
        }
    }
    It 'names its output types' { $Page.Outputs | Should -Not -BeNullOrEmpty }
}

Describe 'Module help files' {
    It 'Get-Help Start-OsgPilot -Full shows the docs page' {
        $text = Get-Help Start-OsgPilot -Full | Out-String -Width 200
        $text | Should -Match 'Starts OSPool pilot containers from a configuration, idempotently'
        $text | Should -Match 'It is idempotent, so it can run from cron'
        $text | Should -Match 'Example 2: See the docker run line without starting anything'
        $text | Should -Match '\$cfg \| Start-OsgPilot -WhatIf'
        $text | Should -Match '-Count <Int32>'
        $text | Should -Match 'Default value\s+1'
        $text | Should -Match 'OsgPilot.Pilot'
    }
    It 'ships about_OsgPilot' {
        Join-Path $ModuleDir 'en-US/about_OsgPilot.help.txt' | Should -Exist
        (Get-Help about_OsgPilot | Out-String) | Should -Match 'THE TOKEN'
    }
    It 'lists about_OsgPilot with its whole short description as the synopsis' {
        $short = (ConvertFrom-OsgAboutShortDescription (Join-Path $Docs 'about_OsgPilot.md'))
        $short | Should -Match '^Runs Open Science Pool .* documents\.$'
        (Get-Help about_OsgPilot* | Where-Object Name -EQ 'about_OsgPilot').Synopsis | Should -Be $short
    }
    It 'commits the help the build generates (en-US/ matches docs/)' {
        # The build regenerates en-US/ from docs/ before the tests; a difference means docs were edited but the help not rebuilt and committed.
        $root = Join-Path $PSScriptRoot '../..'
        if (-not (Test-Path (Join-Path $root '.git'))) { Set-ItResult -Skipped -Because 'not a git checkout'; return }
        git -C $root diff --stat -- en-US | Should -BeNullOrEmpty
    }

    It 'has a docs page for every exported cmdlet and no page for a cmdlet that does not exist' {
        $pages = (Get-ChildItem $Docs -Filter '*-*.md').BaseName | Sort-Object
        $pages | Should -Be ((Get-Command -Module OsgPilot -CommandType Cmdlet).Name | Sort-Object)
    }
}

Describe 'The markdown-to-MAML converter' {
    BeforeAll {
        $script:Tmp = Join-Path ([IO.Path]::GetTempPath()) ("osghelp-" + [guid]::NewGuid().ToString('N'))
        New-Item -ItemType Directory $Tmp | Out-Null
        @'
---
schema: 2.0.0
---

# Get-Widget

## SYNOPSIS
Gets widgets & gadgets <fast>.

## SYNTAX

### ByName (Default)
```
Get-Widget [-Name] <String[]> [<CommonParameters>]
```

### ById
```
Get-Widget -Id <Int32> [<CommonParameters>]
```

## DESCRIPTION
First paragraph
continues here.

Second paragraph.

## EXAMPLES

### Example 1: One
```powershell
Get-Widget -Name a
```

Remarks one.

## PARAMETERS

### -Name
Names.

```yaml
Type: String[]
Parameter Sets: ByName
Aliases: n

Required: True
Position: 0
Default value: None
Accept pipeline input: True (ByValue)
Accept wildcard characters: True
```

### -Id
The id.

```yaml
Type: Int32
Parameter Sets: ById
Aliases:

Required: True
Position: Named
Default value: None
Accept pipeline input: False
Accept wildcard characters: False
```

## INPUTS

### System.String
Names.

## OUTPUTS

### Widget
A widget.

## NOTES
A note.

## RELATED LINKS

[Online](https://example.org/widget)
'@ | Set-Content (Join-Path $Tmp 'Get-Widget.md')
        $script:Parsed = ConvertFrom-OsgHelpMarkdown -Path (Join-Path $Tmp 'Get-Widget.md')
        [xml]$script:Maml = ConvertTo-OsgMaml -Command $Parsed
        $script:Ns = [System.Xml.XmlNamespaceManager]::new($Maml.NameTable)
        $Ns.AddNamespace('command', 'http://schemas.microsoft.com/maml/dev/command/2004/10')
        $Ns.AddNamespace('maml', 'http://schemas.microsoft.com/maml/2004/10')
        $Ns.AddNamespace('dev', 'http://schemas.microsoft.com/maml/dev/2004/10')
    }
    AfterAll { Remove-Item -Recurse -Force $Tmp }

    It 'parses sections, examples and parameter blocks' {
        $Parsed.Name | Should -Be 'Get-Widget'
        $Parsed.Synopsis | Should -Be 'Gets widgets & gadgets <fast>.'
        $Parsed.SyntaxSets.Name | Should -Be @('ByName', 'ById')
        $Parsed.Examples[0].Code | Should -Be 'Get-Widget -Name a'
        $Parsed.Examples[0].Remarks | Should -Be 'Remarks one.'
        $Parsed.Parameters[0].Aliases | Should -Be @('n')
        $Parsed.Parameters[0].Wildcards | Should -BeTrue
        $Parsed.Links[0].Uri | Should -Be 'https://example.org/widget'
    }
    It 'writes well-formed MAML with escaped text and paragraphs' {
        $Maml.SelectSingleNode('//command:details/maml:description/maml:para', $Ns).InnerText | Should -Be 'Gets widgets & gadgets <fast>.'
        @($Maml.SelectNodes('/*/command:command/maml:description/maml:para', $Ns)).InnerText | Should -Be @('First paragraph continues here.', 'Second paragraph.')
    }
    It 'puts each parameter in the syntax of its parameter set only' {
        $items = $Maml.SelectNodes('//command:syntax/command:syntaxItem', $Ns)
        $items.Count | Should -Be 2
        @($items[0].SelectNodes('command:parameter/maml:name', $Ns)).InnerText | Should -Be @('Name')
        @($items[1].SelectNodes('command:parameter/maml:name', $Ns)).InnerText | Should -Be @('Id')
    }
    It 'records parameter attributes Get-Help shows' {
        $p = $Maml.SelectSingleNode("//command:parameters/command:parameter[maml:name='Name']", $Ns)
        $p.required | Should -Be 'true'
        $p.position | Should -Be '0'
        $p.globbing | Should -Be 'true'
        $p.pipelineInput | Should -Be 'True (ByValue)'
        $p.aliases | Should -Be 'n'
        $p.SelectSingleNode('dev:type/maml:name', $Ns).InnerText | Should -Be 'String[]'
    }
    It 'converts about pages to help text' {
        '# about_X', '', '## SHORT DESCRIPTION', 'Hello.', '```', 'code', '```' | Set-Content (Join-Path $Tmp 'about_X.md')
        $text = ConvertTo-OsgAboutText -Path (Join-Path $Tmp 'about_X.md')
        ($text -split '\r?\n')[0..4] | Should -Be @('TOPIC', '    about_X', '', 'SHORT DESCRIPTION', '    Hello.')
        $text | Should -Match '    code'
        $text | Should -Not -Match '```'
    }
}
